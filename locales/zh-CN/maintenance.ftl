# 系统维护或暂时不可用。

maintenance-active = 认证系统正在维护，预计{ $maintenance_until } 结束。这段时间提交都会失败，不是你的问题，等维护结束再试就好。
maintenance-scheduled = 认证系统现在是正常的，不过有一次计划维护，预计{ $maintenance_until } 结束。维护期间提交会失败；要是刚好碰上了，等结束后再试。
maintenance-clear = 我查了一下，认证系统现在运行正常，所以这次失败多半是别的原因，最常见的是网络。要不要看看网络方面的建议？
maintenance-btn-later = 好的，我晚点再试
maintenance-btn-network = 看看网络建议

maintenance-which = 你看到的提示更像哪一种？
maintenance-btn-busy = 系统维护或繁忙
maintenance-btn-authority = 暂时无法核验身份

maintenance-service-why = 这说明认证服务暂时用不了，可能在维护或者正忙。这种情况很少见，也不是你操作有问题。
maintenance-authority-why = 这说明用来核对身份信息的官方数据源暂时连不上，所以没法核验。这不代表你的信息有问题。
maintenance-try-later = 过一会儿再提交一次就好，信息不用改。

maintenance-notices = 维护的通知和恢复时间，一般会发在 App 里的公告、官网和官方社交账号上，可以留意一下。要不要我在恢复后通知你？
maintenance-subscribed = 好的，维护结束后我会通知你，到时候再提交就行。
maintenance-subscribe-unavailable = 那就麻烦你过一段时间再试，恢复时间也可以看官方公告。
maintenance-later = 好的。维护结束后再提交就行，具体时间也可以看 App 里的官方公告。

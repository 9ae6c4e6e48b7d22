# 查审核进度：查到记录就说明现在的状态；查不到就问案件编号；暂时查不了就如实说，并给出一般情况。

status-intro = 好的，我帮你查一下认证进度。

status-approved = 好消息：你的实名认证已经通过了 ✅
status-approved-unlocked = 现在你的账户是完整账户了：转账、提现额度更高，能用的服务也更多。以后找客服或者申诉，处理也会更快。
status-btn-great = 太好了，谢谢
status-btn-still-failed = App 里还显示没通过

status-pending = 你的认证已经提交，正在审核。一般需要 1 到 3 个工作日，有结果了 App 会发通知给你。
status-pending-notify = 要不要审核有进展时，我也提醒你一声？
status-btn-wait = 不用了，我等通知

status-overdue = 抱歉，你的审核已经超过了平常需要的时间，让你久等了。这种情况最好请人工同事帮你跟进。
status-fixable = 你的认证还差一步：有地方需要改一下再重新提交。我们先看看是哪一步出的问题。
status-handover = 你的认证需要工作人员来处理下一步，这个我没办法在这里替你完成。

status-cooldown-until = 现在还不能重新提交，要等到 { $cooldown_until } 之后才行。在那之前提交也不会通过，先别急着重试。
status-cooldown = 现在还不能重新提交，需要先等一段时间。在那之前提交也不会通过，先别急着重试。
status-cooldown-notify = 要不要等可以重新提交的时候，我提醒你一声？

status-subscribed = 好的，认证一有变化我就告诉你。
status-subscribe-unavailable = 没关系，审核有结果时 App 也会发通知给你。你也可以随时在账户设置的“实名认证”里看状态。
status-done = 好的。有新情况随时来找我。

status-no-case = 我这边没找到和你账户关联的认证记录。
status-ask-case = 把案件编号发给我，我来帮你查。编号一般像 KYC-20240611-000123 这样。
status-ask-case-reask = 把案件编号发给我就行；找不到编号的话，点“我不知道编号”。
status-btn-no-number = 我不知道编号
status-no-number = 没关系。案件编号在认证结果的通知里，也可以在账户设置的“实名认证”状态里找到。
status-review-time = 另外，审核一般需要 1 到 3 个工作日，有结果了 App 会发通知给你。
status-btn-found = 找到编号了

status-not-found = 这个编号我没查到对应的认证记录。麻烦再核对一下，重新发给我？
status-not-found-again = 还是没查到。可能编号有点出入，转人工客服帮你查会更稳妥。
status-btn-where = 编号在哪里看

status-sign-in = 为了保护你的个人信息，我只能在你登录之后查询你本人的认证记录，所以现在这里还查不了。想看自己的进度，请在钱包 App 里打开这个对话，或者先在钱包网页上登录、再从那里打开聊天，然后再问我一次就好。
status-unavailable = 我现在查不到你的具体进度，先说说一般情况：审核通常需要 1 到 3 个工作日，有结果了 App 会发通知给你。
status-where-result = 你也可以随时在账户设置的“实名认证”里看结果；如果没通过，那里也会写明原因。
status-btn-failed = 显示没通过

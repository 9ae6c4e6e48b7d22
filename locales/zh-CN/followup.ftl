followup-case-changed = 你的认证（{ $case_id }）有新进展了，我帮你看一下：
followup-unavailable = 你的认证有新进展了，不过我现在查不到详情。可以在 App 的“实名认证”里看看结果，或者稍后再问我。
followup-btn-status = 帮我再查一次
followup-maintenance-over = 好消息：认证系统的维护已经结束了，现在可以重新提交认证了。
followup-btn-try-again = 好，我去试试

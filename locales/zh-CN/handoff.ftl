handoff-offer = 看来这个问题需要人工来处理。要我帮你转给人工客服吗？我们刚才聊的内容客服都能看到，你不用再说一遍。
handoff-btn-yes = 好，转人工
handoff-btn-no = 先不用
handoff-queued = 已经帮你转给人工客服了，正在排队。客服会看到我们刚才的对话，请稍等一下。
handoff-unavailable = 你可以在钱包 App 的“我的 → 帮助与客服”里联系人工客服，把你的问题和认证失败的提示告诉他们，会处理得更快。

# Shared texts: buttons used by many flows, and what the engine itself says.

## Buttons
common-btn-yes = 是的
common-btn-no = 不是
common-btn-helped = 解决了 👍
common-btn-not-helped = 还是不行
common-btn-human = 转人工客服
common-btn-menu = 回到主菜单
common-btn-back = 上一步
common-btn-skip = 跳过
common-btn-dont-know = 我不确定
common-btn-notify-me = 有进展时通知我

## The engine
engine-clarify = 我想先确认一下，你遇到的是下面哪种情况？
engine-clarify-none = 这个我没太看懂 😅 可以换个说法吗？也可以直接选下面的问题类型。
engine-unknown-button = 这个选项我没认出来，请从下面选一个，或者直接打字告诉我。
engine-stale-button = 那是之前消息里的按钮啦，请用下面最新的选项。
engine-flow-changed = 抱歉，我们刚更新了服务内容，刚才聊到的地方已经变了。我们从主菜单重新开始吧。
engine-empty = 好像没有收到文字，可以再发一次吗？
engine-too-long = 消息有点长，我先看了前 { $max } 个字。
engine-no-back = 已经是最开始了，没有上一步啦。
engine-language-switched = 好的，接下来我用中文和你聊。
engine-ended = 好的，我们先到这里。有问题随时再找我。
engine-internal-error = 抱歉，我这边出了点小问题。我们回到主菜单，重新来一次吧。
engine-photo-not-expected = 收到照片了。照片检查的入口在“证件照片问题”里，我带你过去。

## Stand-ins for features that are not built yet
action-not-built-case_lookup = 在线查询认证进度的功能还没有开通。
action-not-built-service_status = 我暂时还查不到系统维护状态（这个功能还没有开通）。
action-not-built-photo_check = 自动检查照片的功能还没有开通，我先告诉你拍照的要点。
action-not-built-subscribe_followup = 进度提醒功能还没有开通，暂时没法在有变化时通知你。
action-not-built-escalate = 在线转接人工客服的功能还没有开通。

## Validators: why an answer was not accepted
validate-any-empty = 好像没有收到内容。
validate-resident_id-empty = 好像没有收到号码。
validate-resident_id-legacy-fifteen-digit = 这是 15 位的老身份证号码，现在认证需要新身份证上的 18 位号码。
validate-resident_id-wrong-length = 身份证号应该是 18 位，你发的是 { $length } 位，看看是不是多了或少了一位。
validate-resident_id-invalid-character = 第 { $position } 位不对：身份证号只有数字，最后一位可以是 X。
validate-resident_id-unknown-region = 开头两位不是有效的省份代码，看看前几位是不是输错了。
validate-resident_id-invalid-birth-date = 中间的出生日期（第 7 到 14 位）不是一个真实的日期，看看是不是输错了。
validate-resident_id-birth-date-in-future = 中间的出生日期（第 7 到 14 位）在今天之后，看看是不是输错了。
validate-resident_id-bad-check-digit = 最后一位和前面的数字对不上，应该是哪里输错了一位，请对着身份证逐位核对。
validate-mobile-empty = 好像没有收到手机号。
validate-mobile-invalid-character = 手机号里只能有数字（可以带 +86）。
validate-mobile-wrong-length = 手机号应该是 11 位，你发的是 { $length } 位。
validate-mobile-bad-prefix = 大陆手机号以 13 到 19 开头，这个号码的开头不对。
validate-case_id-missing = 我没有在消息里找到案件编号，编号一般像 KYC-20240611-000123 这样。
validate-date-invalid = 这个日期我没认出来，可以写成 2024-06-11 这样。

## Names of topics, used when the bot asks which one is meant
intent-info_mismatch = 信息填写不一致
intent-network = 网络或上传失败
intent-photo_quality = 证件照片问题
intent-maintenance = 系统维护或打不开
intent-prior_violation = 账户被限制
intent-document_expired = 证件过期
intent-face_liveness = 人脸识别失败
intent-video_device = 视频认证设备问题
intent-sms_code = 短信验证码
intent-verification_failed = 认证失败，不知道原因
intent-status_query = 查询审核进度
intent-retry = 还能不能重试
intent-how_to_verify = 怎么做实名认证
intent-why_verify = 为什么要实名认证
intent-forgot_info = 忘了用的哪些信息
intent-privacy = 信息安全和隐私
intent-account_security = 账户安全
intent-human_agent = 转人工客服
intent-out_of_scope = 其他问题

## The terminal chat
chat-invalid-json = 这一行不是有效的输入（{ $detail }）。请发送 {"{"}"text": "..."{"}"} 或 {"{"}"button": "..."{"}"}。
chat-photo-unreadable = 这张照片读不了：{ $detail }
chat-line-too-long = 这一行太长了（{ $detail }），我没有读。请发短一点的消息。
chat-not-saved = 抱歉，这条消息没有保存成功（{ $detail }），请再发一次。

## The case-status API
case-found-fixable = 我查到你的认证记录了（{ $case_id }）。{ $other_reasons ->
        [0] 卡住的地方是这个：
       *[other] 有几处需要改，我们先解决第一处，其余 { $other_reasons } 处稍后再看：
    }
case-error = { $error ->
        [timeout] 认证系统现在响应很慢，我暂时查不到你的记录。
        [rate-limited] 认证系统现在太忙了，我暂时查不到你的记录。
       *[other] 我暂时连不上认证系统，查不到你的记录。
    }我们先通过几个问题来排查，稍后你也可以再让我查一次。
followup-needs-case = 要在进度有变化时通知你，我需要你的案件编号（一般像 KYC-20240611-000123）。
engine-upset = 抱歉让你这么着急，我马上帮你找人工来处理。
engine-unclear-handoff = 抱歉，我几次都没理解你的意思，让人工客服来帮你会更好。
action-not-built-leave_message = 给客服留言的功能还没有开通。
action-not-built-record_rating = 暂时无法记录评分。

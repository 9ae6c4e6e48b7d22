# 网页小部件自己的文字（按钮、提示、状态、错误）。机器人说的话来自 flows；这里只是外框。
# 由 GET /api/v1/widget/texts 提供。`{ $name }` 由小部件自己填入（服务器渲染时不带参数）。

## 外框
widget-launcher = 在线客服：实名认证帮助
widget-title = 实名认证帮助
widget-subtitle = 智能小助手 · 随时回复
widget-close = 关闭对话
widget-you = 我
widget-bot = 小助手
widget-signed-in = 已登录：小助手可以直接查看你的认证进度。
widget-history = 之前的对话

## 输入
widget-input-label = 消息
widget-placeholder = 输入你遇到的问题…
widget-send = 发送
widget-photo = 发送照片
widget-photo-preview = 即将发送的照片预览
widget-photo-send = 发送这张照片
widget-photo-cancel = 取消
widget-photo-sent = 📷 照片
widget-uploading = 正在上传照片…
widget-sending = 发送中…
widget-typing = 小助手正在输入…

## 语言
widget-lang-switch = 切换语言
widget-lang-other = English
widget-lang-name = 中文

## 新消息
widget-new-messages = 有新消息
widget-unread = { $count } 条新消息
widget-queue = 正在为你转接人工客服：你排第 { $position } 位。

## 问题
widget-not-sent = 未发送
widget-retry = 重试
widget-offline = 网络已断开，恢复联网后会自动发送。
widget-reconnecting = 正在重新连接…
widget-server-down = 暂时连不上客服服务，请稍后再试。
widget-rate-limited = 发送太频繁啦，{ $seconds } 秒后自动重试。
widget-photo-too-large = 这张照片超过 10 MB 了，请换一张小一点的，或者重新拍一张。
widget-photo-wrong-type = 请选择 JPG、PNG 或 WebP 格式的照片。
widget-too-long = 这条消息太长了，请分成几条发送。
widget-forbidden = 对话已过期或身份无法验证，请刷新页面后再试。
widget-error = 出了点问题，请再试一次。
widget-queue-wait = 正在为你转接人工客服：你排第 { $position } 位，大约还要 { $minutes } 分钟。
widget-agent-typing = { $agent } 正在输入…

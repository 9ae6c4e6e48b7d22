menu-welcome = 你好 👋 我是实名认证小助手。认证没通过别着急，我们一起看看是哪里出了问题。
    选一个最接近的情况，或者直接用一句话告诉我发生了什么：
menu-again = 还有什么我可以帮你的？选一个，或者直接告诉我：
menu-btn-info = 信息对不上
menu-btn-photo = 证件照片问题
menu-btn-face = 刷脸没通过
menu-btn-sms = 收不到验证码
menu-btn-network = 上传失败 / 卡住
menu-btn-video = 视频认证打不开相机或麦克风
menu-btn-expired = 身份证过期了
menu-btn-restricted = 账户被限制
menu-btn-maintenance = 系统打不开 / 维护
menu-btn-status = 查审核进度
menu-btn-unknown = 失败了，不知道原因
menu-btn-faq = 其他常见问题

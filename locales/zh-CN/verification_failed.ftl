# 认证失败但不知道原因：先查记录，再问是哪一步、提示了什么，最后一起检查三项常见原因。

verification_failed-intro = 认证没通过，确实挺让人着急的。我先帮你查一下认证记录。
verification_failed-sign-in = 我只能在你登录之后查询你本人的认证记录，所以这里暂时看不到。你可以在钱包 App 里打开这个对话，或者先在钱包网页上登录，我就能帮你查。不过没关系，我们先一起找找是哪里出了问题。
verification_failed-fixable = 记录显示有地方需要修改，改好就能重新提交。我们先确认一下是哪一步出的问题。
verification_failed-which = 是在哪一步失败的？选一个最接近的：

verification_failed-btn-info = 填姓名和身份证号
verification_failed-btn-photo = 上传身份证照片
verification_failed-btn-face = 刷脸
verification_failed-btn-sms = 短信验证码
verification_failed-btn-video = 视频认证
verification_failed-btn-stuck = 卡住了 / 上传失败
verification_failed-btn-busy = 提示系统繁忙或维护
verification_failed-btn-restricted = 提示账户受限

verification_failed-message-ask = 失败的时候，页面上提示了什么？把原话发给我就行，记得大概意思也可以。
verification_failed-message-reask = 提示写了什么都可以发给我；想不起来的话，点“我不确定”就好。
verification_failed-noted = 好的，我记下了。

verification_failed-checklist = 我们把最常见的三个原因一起查一遍，三项都弄好了再重新提交，这样最稳。
verification_failed-checklist-network = 第 1 项，网络：尽量连稳定的 Wi-Fi，别用信号不好的流量。认证时先停掉其他下载和上传，也尽量避开网络高峰。
verification_failed-checklist-info = 第 2 项，填写的信息：拿着身份证原件，把姓名和身份证号逐字核对一遍，身份证号最容易错一位。手机号也要是用你本人身份证办的。
verification_failed-checklist-photo = 第 3 项，证件照片：在自然光下拍，背景简单明亮，身份证四个角都要拍进去，不要反光，也不要有阴影。上传前先放大看看清不清楚。
verification_failed-checklist-retry = 三项都查好了，就再提交一次试试。这次通过了吗？
verification_failed-btn-checked = 查好了，下一项
verification_failed-btn-document = 提示证件不被接受
verification_failed-btn-dup = 提示已认证过别的账户
verification_failed-btn-under = 提示年龄不符合
verification_failed-btn-other = 提示人工审核没通过

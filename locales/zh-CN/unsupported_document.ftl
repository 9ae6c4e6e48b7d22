# The document itself cannot be used (flow unsupported_document).

unsupported_document-intro = 这次的问题出在证件本身。我们看看是哪种情况，再说怎么办。
unsupported_document-which = 下面哪个最接近？
unsupported_document-btn-other-type = 我用的不是身份证
unsupported_document-btn-damaged = 身份证有破损
unsupported_document-btn-digital = 用的电子证件或截图
unsupported_document-btn-not-at-hand = 身份证不在身边

unsupported_document-type = 这里的实名认证用的是居民身份证。护照、港澳通行证这类其他证件能不能用，要看平台的规定，我这边没法保证。
unsupported_document-type-step = 如果你有居民身份证，就用它来认证：拍好正反两面，重新提交。
unsupported_document-btn-will-use-id = 好，我用身份证
unsupported_document-btn-no-id = 我没有身份证

unsupported_document-damaged = 身份证破损了，比如断裂或者磨花了，照片和文字看不清，就没法通过认证。这种情况需要先换一张新证，再用新证来认证。
unsupported_document-btn-get-new = 好，我去换新证
unsupported_document-btn-photo = 证没坏，是照片没拍好
unsupported_document-btn-question = 我还有疑问

unsupported_document-digital = 认证需要用实体身份证本身，电子身份证、手机屏幕上的证件照片都不行。
unsupported_document-digital-step = 把实体身份证放在素色的桌面上，直接拍正反两面，再重新提交。
unsupported_document-btn-not-with-me = 实体证不在身边

unsupported_document-not-at-hand = 认证要拍实体身份证的正反两面，所以得等证件在手边才行。复印件或者屏幕上的照片都不能代替。
unsupported_document-btn-get-card = 好，拿到证再来
unsupported_document-btn-lost = 身份证丢了
unsupported_document-lost = 身份证丢了的话，需要先补办一张。补办期间有什么能做的，人工同事可以帮你看看。

unsupported_document-come-back = 好的。等证件拿到手，随时回来找我，我们一起把认证做完。

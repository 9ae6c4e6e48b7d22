# The identity already verified another account (flow duplicate_account).

duplicate_account-intro = 这个提示的意思是，你这次用的身份已经认证过另一个账户了。
duplicate_account-which = 提示里说的是哪一种？
duplicate_account-btn-id-used = 身份证已被其他账户使用
duplicate_account-btn-face-used = 人脸已认证过其他账户

duplicate_account-identity = 一个身份只能认证一个账户。这张身份证之前已经认证过别的账户，所以这个账户没法再用它认证。
duplicate_account-face = 你的人脸之前已经用来认证过另一个账户。和身份证一样，一个人只能认证一个账户。
duplicate_account-older-account = 如果你还有以前的账户，人工同事可以帮你看看能不能继续用那个账户。要是你不记得有别的账户，也跟同事说一声就好。

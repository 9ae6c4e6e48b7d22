# The identity already verified another account (flow duplicate_account).

duplicate_account-intro = This message means the identity you used has already verified another account.
duplicate_account-which = Which one did it say?
duplicate_account-btn-id-used = ID already used on an account
duplicate_account-btn-face-used = Face already verified before

duplicate_account-identity = One identity can verify only one account. This ID card has already verified another account, so it can't verify this one as well.
duplicate_account-face = Your face has already been used to verify another account. As with the ID card, one person can verify only one account.
duplicate_account-older-account = If you have an older account, a person can look at whether you can keep using that one. If you don't remember having another account, just tell them.

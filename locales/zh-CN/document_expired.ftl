# 证件过期、快到期或已失效。

document_expired-intro = 身份证过期或者失效了，就没法用来认证。别担心，换了新证就能重新认证。
document_expired-which = 你遇到的是哪种情况？
document_expired-btn-expired = 证件已经过期
document_expired-btn-expiring = 证件快到期了
document_expired-btn-cancelled = 旧证失效了（换证或补办）
document_expired-btn-is-expired = 确实过期了
document_expired-btn-still-valid = 没过期 / 是长期
document_expired-btn-rules = 有效期是怎么算的？
document_expired-btn-have-new = 我已经有新证了
document_expired-btn-will-renew = 好的，我去换证
document_expired-btn-no-new-card = 我手上没有新证
document_expired-btn-photo = 看看拍照要点

document_expired-expired-why = 系统显示你用的身份证已经过了有效期，过期的证件没法通过认证。
document_expired-expiring-why = 系统提示你的身份证快到期了，所以这次认证没通过。
document_expired-cancelled-why = 系统显示这张身份证已经失效了：换领新证或者挂失补办之后，旧证就不能再用了。

document_expired-check-validity = 把身份证翻到背面（国徽面），看“有效期限”那一栏：后面的日期已经过了，就是过期了；写着“长期”的，就不会过期。
document_expired-rules = 身份证的有效期看办证时的年龄：不满 16 岁是 5 年，16 到 25 岁是 10 年，26 到 45 岁是 20 年，46 岁及以上是长期。临时身份证只有 3 个月。
document_expired-renew = 需要先到当地公安机关（派出所）换领新身份证，要带什么可以先问问当地派出所。拿到新证后，用新证重新提交认证就行。
document_expired-use-newest = 请用你手上最新的那张身份证，重新填写证件信息、重新拍正反面，再提交一次。
document_expired-not-expired = 证件没过期的话，可能填的或拍的还是旧证，请确认用的是最新的那张。也可能是国徽面照片里的有效期看不清，审核没认出来。
document_expired-bye = 好的，换好新证后随时回来找我，我们再一起把认证走一遍。

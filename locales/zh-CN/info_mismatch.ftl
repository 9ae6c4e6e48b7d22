# 信息对不上：填的信息和身份证或官方记录不一致。

info_mismatch-intro = 提示“信息不一致”，意思是你填的信息和身份证、或者官方登记的记录没对上。别着急，多数时候只是哪里差了一个字或一位数。
info_mismatch-which = 提示里说的是哪一项？
info_mismatch-btn-name = 姓名对不上
info_mismatch-btn-id-number = 身份证号对不上
info_mismatch-btn-dob = 出生日期对不上
info_mismatch-btn-phone = 手机号不是本人的
info_mismatch-btn-not-found = 查不到我的记录
info_mismatch-btn-rare = 名字里有生僻字
info_mismatch-btn-name-is-right = 名字没错，有生僻字
info_mismatch-btn-check-id = 帮我检查号码格式
info_mismatch-btn-check-mobile = 帮我检查手机号格式
info_mismatch-btn-other-details = 先查其他信息

## 姓名
info_mismatch-name-why = 提示姓名对不上，就是你填的名字和身份证登记的不一样。
info_mismatch-name-check = 拿出身份证，对着上面的名字一个字一个字核对：要填完整的中文姓名，别用英文名、曾用名或同音字，也别加空格。少数民族姓名中间的点用间隔号“·”，别用“.”或“•”代替。改好后再提交一次试试。

## 生僻字：名字是对的，需要人工帮忙
info_mismatch-rare-why = 你的名字没有填错。有些生僻字核验系统识别不了，所以名字明明填对了，也可能核验不过去。
info_mismatch-rare-dot = 如果是少数民族姓名，中间用间隔号“·”就对了，不用再反复修改。

## 身份证号
info_mismatch-id-number-why = 提示身份证号对不上，最常见的是打错了一位，或者有两位数字前后颠倒了。
info_mismatch-id-number-check = 对着身份证把 18 位号码分段核对：前 6 位、中间 8 位出生日期、最后 4 位，最后一位可能是字母 X。改好后再提交一次试试。
info_mismatch-all = 没关系，我们一项一项对。先从最容易出错的身份证号开始。
info_mismatch-id-offer = 要不要我帮你检查一下身份证号的格式？

## 身份证号格式检查（只检查格式，不保存号码）
info_mismatch-id-ask = 把身份证号发给我，我帮你检查格式。我只看格式对不对，不会保存这个号码，也查不到官方记录。
info_mismatch-id-reask = 请对着身份证，再发一次 18 位的号码。
info_mismatch-id-ok = 格式是对的：{ $id_number }
info_mismatch-id-ok-compare = 不过格式对，不代表和你身份证上的完全一样，比如两位数字颠倒了也可能查不出来。请对着卡再逐位看一遍；号码确实没错的话，我们接着看姓名和手机号。
info_mismatch-id-failed = 这个号码的格式还是不对。身份证上印的号码一定是对的，请拿着卡一位一位对着输入。照着卡输也过不了的话，就让人工客服帮你看看。

## 出生日期
info_mismatch-dob-why = 提示出生日期对不上，就是你填的生日和身份证登记的不一样。
info_mismatch-dob-check = 对照身份证正面的“出生”一栏，看年、月、日是不是都对。身份证号的第 7 到 14 位也是出生日期（比如 19900105），那几位打错了也会这样提示。

## 查不到记录
info_mismatch-not-found-why = 提示查不到记录，是说按你填的姓名和身份证号，在官方记录里没找到对应的人。
info_mismatch-not-found-check = 通常是姓名或号码里有一处不对。请对着身份证把这两项再核对一遍，改好后重新提交。

## 手机号
info_mismatch-phone-why = 提示手机号不是本人的，意思是这个号码没有登记在你自己名下。
info_mismatch-phone-own = 认证用的手机号要是你本人实名登记的：运营商会把姓名、身份证号和手机号放在一起核对。号码登记在家人名下的话，请换一个你自己名下的号码；不确定的话，可以问问你的运营商。
info_mismatch-mobile-ask = 把手机号发给我，我帮你看看格式对不对。我只检查格式，不会保存号码，也查不到它登记在谁名下。
info_mismatch-mobile-reask = 请再发一次 11 位的手机号，前面带不带 +86 都行。
info_mismatch-mobile-ok = 格式是对的：{ $mobile }。只要这个号码登记在你本人名下，就用它重新提交一次试试。
info_mismatch-mobile-failed = 这个号码的格式还是不对。请再确认一下你的手机号，改好后重新提交。

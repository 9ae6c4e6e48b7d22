# 证件照片问题：审核看不清身份证照片。

photo_quality-intro = 照片没通过，通常是审核看不清证件上的信息。这个好解决，重拍一张就行。
photo_quality-which = 提示里说的是哪种情况？也可以把照片发给我，我帮你看看。
photo_quality-btn-check = 帮我检查照片
photo_quality-btn-blurry = 照片模糊
photo_quality-btn-glare = 有反光
photo_quality-btn-dark = 太暗了
photo_quality-btn-cut-off = 没拍全 / 缺角
photo_quality-btn-obscured = 有东西挡住了
photo_quality-btn-side-missing = 少传了一面
photo_quality-btn-wrong-side = 正反面传错了
photo_quality-btn-not-original = 说不能用截图或复印件
photo_quality-btn-bw = 黑白照片
photo_quality-btn-low-res = 分辨率太低
photo_quality-btn-tips = 看看拍照要点
photo_quality-btn-send-again = 重拍后再发给你

## 每种情况各自的办法
photo_quality-blurry = 照片模糊，一般是手抖了或者没对上焦。把证件平放在桌上，手机拿稳，点一下屏幕上的证件对焦，画面清楚了再拍；镜头脏了也会糊，先擦一擦。
photo_quality-glare = 反光会把字盖住。关掉闪光灯，别在灯的正下方拍，手机稍微斜一点角度，直到证件上没有白色亮斑；有卡套的话先取出来。
photo_quality-dark = 照片太暗，审核就看不清字。到亮一点的地方拍，白天靠窗的自然光最好；别用闪光灯补光，那样容易反光。
photo_quality-cut-off = 照片里的证件不完整，有角被裁掉了。让整张卡都在画面里，四个角都露出来，四周留一点空；手机正对着证件拍，别斜着。
photo_quality-obscured = 证件上有地方被挡住了，比如手指、卡套或贴纸。把证件平放在桌上拍，别用手拿着，卡套和贴纸都拿掉，让每个字都露出来。
photo_quality-side-missing = 身份证正反两面都要上传：有你照片的是人像面，有国徽的是国徽面。看看是不是漏了一面，补上后再提交。
photo_quality-wrong-side = 正反面放反了。有你照片的人像面传到“人像面”，有国徽和有效期限的国徽面传到“国徽面”，换过来再提交就好。
photo_quality-not-original = 审核只认身份证原件的照片，截图、复印件、翻拍电脑或手机屏幕的都不行。请拿出身份证实物，直接用手机拍。
photo_quality-bw = 黑白照片用不了，要彩色的。关掉相机的黑白滤镜或“扫描文件”模式，直接拍一张彩色照片。
photo_quality-low-res = 照片分辨率太低，字看不清。用手机后置摄像头直接拍，让证件占满大半个画面；别放大截图，也别用聊天软件转发过的图，那样会被压缩。

## 通用拍照要点，一步一步来
photo_quality-tips-light = 先看光线：白天的自然光下拍最好，窗边或户外都行。别开闪光灯，也别让手或手机的影子落在证件上。照这样重拍一张，再提交试试。
photo_quality-tips-frame = 再看背景和构图：把证件放在干净、明亮的纯色背景上，整张卡都拍进去，四个角一个都不能少。重拍后再提交看看。
photo_quality-tips-review = 最后，上传前先把照片放大看一遍：字都清楚、没有反光和阴影、四个角都在，再提交。

## 帮用户检查照片
photo_quality-send-photo = 好的，直接把证件照片发给我就行，就发你准备上传的那张。我只用它做检查，不会保存。
photo_quality-check-passed = 我看了一下，这张照片清楚，四个角也都在，没发现明显问题。就用它重新上传试试吧。
photo_quality-check-failed = 照着上面说的改一下，再拍一张发给我；也可以先看看拍照要点。
photo_quality-check-no-photo = 我没收到照片。请把证件照片直接发到这里。
photo_quality-check-failed-again = 这张还是有点问题。你可以再拍一张试试，或者先上传这张（可能会被退回）。
photo_quality-btn-proceed = 先上传这张

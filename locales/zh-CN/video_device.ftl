# Video verification: camera, microphone, device and surroundings (flow video_device).

video_device-intro = 视频认证要同时用到摄像头和麦克风，哪一样出问题都过不去。别急，我们来找找卡在哪儿。
video_device-which = 具体是什么情况？
video_device-btn-permission = 提示没有相机/麦克风权限
video_device-btn-camera = 相机打不开或黑屏
video_device-btn-mic = 麦克风没声音
video_device-btn-device = 提示设备不支持
video_device-btn-environment = 相机能用，但没通过

video_device-permission-intro = 这是钱包 App 没拿到用相机或麦克风的权限，去手机设置里打开就行。
video_device-permissions = 打开方法：iPhone 是“设置 → 钱包 App → 打开相机和麦克风”；安卓一般是“设置 → 应用 → 钱包 App → 权限”，把相机和麦克风设为允许。改好后把 App 关掉重开，再试一次。
video_device-camera-intro = 相机打不开或者一直黑屏，有可能是相机正被别的应用占着。
video_device-close-apps = 把其他可能在用相机或麦克风的应用都关掉，比如视频通话、相机、录音、录屏，然后重新打开钱包 App 再试。
video_device-mic-intro = 麦克风收不到声音的话，先看看钱包 App 有没有麦克风权限。
video_device-test-devices = 我们确认一下手机本身：打开手机自带的相机，录一小段带声音的视频再放出来听听。画面和声音都正常吗？
video_device-btn-test-works = 都正常
video_device-btn-test-broken = 有问题
video_device-update = 把钱包 App 和手机系统都更新到最新版本，然后再试一次视频认证。
video_device-other-phone = 还是不行的话，可以换一部手机，登录你的钱包账户再做视频认证，这样最快能看出是不是这部手机的问题。
video_device-device-intro = 提示设备不支持，可能是 App 或手机系统的版本旧了，也可能是这部手机本身不支持。先试试更新。

video_device-environment-intro = 视频认证没通过，可能是画面或周围环境不太理想，比如光线、背景。我们来调一调。
video_device-light = 先找个光线好的地方，自然光最好。别让强光直接照着脸或证件，容易反光。
video_device-background = 背景尽量简单，比如一面素色的墙，身后别太杂乱。
video_device-show-id = 需要出示身份证时，把证件举到镜头前拿稳，正面朝着镜头，手指别挡住文字和照片。
video_device-btn-id-card = 身份证本身有问题
video_device-prepare = 最后一个建议：开始前先把认证的要求和步骤看清楚，身份证放在手边，对着镜头先练一遍。正式开始时放轻松，不用着急。

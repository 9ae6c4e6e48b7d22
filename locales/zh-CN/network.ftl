# 网络问题：上传或视频时连接断了。

network-intro = 上传或视频中途断掉，多半是网络不稳，数据没能完整传到服务器。
network-which = 是在哪一步断的？
network-btn-upload = 上传照片时失败
network-btn-video = 视频时卡住或断开

network-upload-why = 照片传到一半网络断了，所以没有上传成功。
network-stream-why = 视频认证要一直传画面，网络一卡，视频就容易中断。
network-wifi = 先换成稳定的 Wi-Fi，尽量别用手机流量，信号弱的地方也容易断。连好之后再试一次。
network-pause = 认证的时候，先把别的下载和上传停一停，比如更新 App、同步相册，把网速都留给认证，再试一次。
network-off-peak = 还不行的话，可能正赶上用网高峰，网络比较挤。换个人少的时段，过一会儿再试。

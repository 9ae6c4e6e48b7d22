# SMS verification codes (flow sms_code).

sms_code-intro = 验证码出问题确实耽误事，我们一项一项排查。
sms_code-which = 你遇到的是哪种情况？
sms_code-btn-not-received = 收不到验证码
sms_code-btn-invalid = 提示验证码错误
sms_code-btn-expired = 提示验证码过期
sms_code-btn-rate-limited = 提示发送太频繁
sms_code-btn-roaming = 人在国外 / 刚换了号

sms_code-not-received-intro = 验证码没收到的话，先从手机这边查起。
sms_code-signal = 先看信号：状态栏有没有信号格，是不是开着飞行模式。信号弱就换个信号好点的地方再收。
sms_code-blocked = 看看短信是不是被拦截了：去短信里的“骚扰拦截”或“垃圾短信”找一找，手机管家这类拦截软件里也看一下。
sms_code-number = 核对一下手机号：页面上的号码是不是你手里这部手机的号，一位一位对一下。再确认这张卡能正常收短信，比如让朋友给你发一条试试。
sms_code-wait-resend = 验证码有时会晚一点到。点了发送以后先等一分钟左右，还没到再点一次重发。别连着点，点多了会被限制发送。

sms_code-invalid-intro = 提示验证码错误，有可能是用了之前那条旧的。
sms_code-latest = 只有最后发出的那条验证码有效。如果收到了好几条，请用最新的那条，之前的都作废了。
sms_code-typing = 输入时对着短信一位一位核对，别多一位或少一位，也别带上空格。
sms_code-fresh = 验证码的有效时间很短。重新获取一条，收到后马上输入，别放着等。

sms_code-expired-intro = 验证码过期，说明从收到到输入隔得有点久了。
sms_code-rate-intro = 提示发送太频繁，是因为短时间里请求验证码的次数太多，暂时不能再发了。
sms_code-rate-wait = 先别再点重发，等一会儿再试。到时只点一次，然后耐心等一分钟左右。
sms_code-still-nothing = 如果等过之后还是收不到，再查一下这里：

sms_code-roaming = 人在国外用漫游，或者最近换了手机号，这种情况需要人工帮你看看账户上绑定的号码和收短信的情况。

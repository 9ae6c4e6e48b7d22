# SMS verification codes (flow sms_code).

sms_code-intro = Code trouble is annoying, I know. Let's go through it one check at a time.
sms_code-which = Which of these is it?
sms_code-btn-not-received = The code never arrives
sms_code-btn-invalid = It says the code is wrong
sms_code-btn-expired = It says the code expired
sms_code-btn-rate-limited = Says I requested too often
sms_code-btn-roaming = I'm abroad / changed number

sms_code-not-received-intro = If the code doesn't arrive, let's start with your phone.
sms_code-signal = First, the signal: do you have bars in the status bar, and is airplane mode off? If the signal is weak, move somewhere with better reception and try again.
sms_code-blocked = The text may have been filtered: look in your messages' spam or blocked folder, and in any SMS-blocking or security app on your phone.
sms_code-number = Check the number: is the one shown on the page exactly the number of this phone? Compare it digit by digit. Also make sure this SIM can receive texts, for example ask a friend to send you one.
sms_code-wait-resend = Codes sometimes take a moment. After tapping send, wait about a minute, and only then tap resend, once. Tapping it again and again can get sending blocked.

sms_code-invalid-intro = If it says the code is wrong, you may have used an older code.
sms_code-latest = Only the last code sent is valid. If you got several, use the one in the newest message; the earlier ones no longer work.
sms_code-typing = Enter the code digit by digit against the message: no missing or extra digits, and no spaces.
sms_code-fresh = Codes are only valid for a short time. Request a new one and enter it as soon as it arrives.

sms_code-expired-intro = An expired code means a bit too much time passed between getting it and entering it.
sms_code-rate-intro = "Requested too often" means codes were asked for too many times in a short while, so sending is paused for now.
sms_code-rate-wait = Don't tap resend for now. Wait a while, then tap it just once and give the code about a minute to arrive.
sms_code-still-nothing = If the code still doesn't come after waiting, check this:

sms_code-roaming = If you're abroad on roaming, or changed your number recently, a person should look at the number on your account and how the code can reach you.

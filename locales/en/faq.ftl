# Common questions: a short answer to each, then the next step.

faq-start = What would you like to know? Pick a question, or just ask me:
faq-btn-retry = Can I try again?
faq-btn-reason = How do I see why it failed?
faq-btn-methods = Which methods are there?
faq-btn-how = How do I verify?
faq-btn-time = How long does review take?
faq-btn-why = Why do I need to verify?
faq-btn-privacy = Is my information safe?
faq-btn-forgot = I forgot which details I used
faq-btn-security = How do I keep my wallet safe?
faq-btn-reverify = Will I need to verify again?
faq-btn-change = Changing my details later
faq-btn-keeps = It keeps failing

faq-btn-done = That answers it
faq-btn-more = Another question

faq-retry-1 = Yes, you can usually try again, unless the app shows a notice that your account is barred for a long time.
faq-retry-2 = Fix the cause before you retry, or it will most likely fail the same way. If it has failed several times already, check your network, your details and your ID photo all together before the next try.
faq-btn-check-together = Check them with me

faq-reason-1 = The reason is in the notification about your result, and also under account settings → verification status.
faq-reason-2 = I can also look your case up for you, and if it's still unclear, customer service can tell you the exact reason.
faq-btn-lookup = Look up my case

faq-methods = There are three usual methods: uploading photos of the front and back of your ID card, face recognition (a live check through your phone's camera), and SMS verification (binding your phone number). Some platforms also use video verification, where you show your face and your ID on a live video.

faq-how-steps = Here are the steps:
    1. Log in with your phone number or email and your password
    2. Open account settings (or personal info) and find identity verification
    3. Enter your name and ID number exactly as they are on your card
    4. Upload photos of the front and back of the card
    5. Submit
faq-how-review = Then comes the review, usually 1–3 working days. When it passes you'll get a notification, and your account shows as verified.
faq-btn-mine-failed = Mine failed

faq-time = Review usually takes 1–3 working days, and you'll get a notification when there's a result.
faq-btn-my-status = Check my status

faq-why-1 = Verification is required by financial regulation, and it guards against money laundering, fraud and account theft, which keeps your money safer too.
faq-why-2 = Once verified, yours is a full account: higher transfer and withdrawal limits, more services, and faster help when you contact support or appeal. Unverified accounts are restricted: no transfers, top-ups or other money services until verification passes.

faq-privacy-1 = Your verification data is encrypted both in transit and in storage. It's used only for identity checks and compliance, and isn't shared without your consent.
faq-privacy-2 = I don't keep your full ID number or phone number myself either. And one tip: never hand your personal information to third parties you don't know.

faq-forgot-1 = First, find your ID card: the name and ID number you verify with are the ones on it.
faq-forgot-2 = If you can't find the card, customer service can confirm your identity with other information. Some platforms also let you reset it by email or SMS.

faq-security-1 = The things that help most:
    1. Turn on two-factor authentication
    2. Change your password regularly, mixing letters, numbers and symbols
    3. Keep an eye on your transaction history
faq-security-2 = If anything looks unusual, tell customer service straight away.
faq-btn-report = Report something unusual

faq-reverify = Usually not. Some platforms do extra checks or periodic reviews, though, and may ask you to verify again. Just keep your details up to date.
faq-btn-details-changed = My details have changed

faq-change = To change your details after verification, customer service has to do it. Shall I pass you to a person?

faq-keeps-1 = When it keeps failing, it's usually the same cause every time. Find which one it is, fix it, then resubmit.
faq-keeps-2 = I can go through it with you, and if that doesn't do it, a human agent can take over; the details of your case help them sort it faster.
faq-btn-find-cause = Help me find the cause

# Review status: with a case, say what its state means; without one, ask for the case number; when
# the lookup can't be done, say so honestly and give the general answer.

status-intro = Sure, let me look up your verification.

status-approved = Good news: your verification has passed ✅
status-approved-unlocked = Your account is now a full account, with higher transfer and withdrawal limits and more services. If you ever contact support or appeal, you'll be helped faster too.
status-btn-great = Great, thanks
status-btn-still-failed = The app still says it failed

status-pending = Your verification is submitted and being reviewed. That usually takes 1–3 working days, and the app will notify you when there's a result.
status-pending-notify = Would you like me to let you know too when it moves along?
status-btn-wait = No thanks, I'll wait

status-overdue = Sorry, your review is taking longer than it normally does, and you've been waiting a while. It's best to have a colleague follow it up for you.
status-fixable = Your verification needs one more step: something has to be fixed before you resubmit. Let's see which step it was.
status-handover = Your case needs a member of staff for the next step; that's not something I can do from here.

status-cooldown-until = You can't resubmit just yet: the next attempt opens after { $cooldown_until }. Submitting before then won't go through, so hold off until then.
status-cooldown = You can't resubmit just yet; there's a waiting period first. Submitting before it's over won't go through, so hold off for now.
status-cooldown-notify = Shall I let you know when you can submit again?

status-subscribed = Done: I'll message you as soon as your case changes.
status-subscribe-unavailable = No worries: the app sends a notification when there's a result, and you can check any time under account settings → verification status.
status-done = All right. Message me any time if anything changes.

status-no-case = I couldn't find a verification case linked to your account.
status-ask-case = Send me your case number and I'll look it up. It looks like KYC-20240611-000123.
status-ask-case-reask = Just send me the case number, or tap "I don't know my case number".
status-btn-no-number = I don't know my case number
status-no-number = No problem. The case number is in the notification about your verification, and under account settings → verification status.
status-review-time = And in general, review takes 1–3 working days; the app notifies you when there's a result.
status-btn-found = I've found it

status-not-found = I couldn't find a case with that number. Could you double-check it and send it again?
status-not-found-again = Still nothing under that number. It may be slightly off; a human agent can track it down more reliably.
status-btn-where = Where do I find the number?

status-sign-in = To keep your details private, I can only look up a verification case for the person it belongs to, once they're signed in, so I can't check it from here. To see your own case, open this chat from inside the wallet app, or sign in on the wallet's website and open the chat there, then ask me again.
status-unavailable = I can't see your case right now, so here's the general picture: review usually takes 1–3 working days, and the app notifies you when there's a result.
status-where-result = You can also check any time under account settings → verification status; if it didn't pass, the reason is shown there too.
status-btn-failed = It says it failed

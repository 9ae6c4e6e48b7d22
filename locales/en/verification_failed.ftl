# Failed, cause unknown: look the case up, ask which step and what the message said, then check the
# three usual causes together.

verification_failed-intro = Sorry it didn't go through, that's frustrating. Let me check your case first.
verification_failed-sign-in = I can only look up a case for its holder once they're signed in, so I can't see yours from here: open this chat from inside the wallet app, or sign in on the wallet's website first, and I can check it. No problem though, let's work out what went wrong together.
verification_failed-fixable = Your case shows something that needs fixing, and then you can resubmit. Let's pin down which step it was.
verification_failed-which = Which step did it fail at? Pick the closest:

verification_failed-btn-info = Entering name or ID number
verification_failed-btn-photo = Uploading the ID photo
verification_failed-btn-face = Face scan
verification_failed-btn-sms = SMS code
verification_failed-btn-video = Video call
verification_failed-btn-stuck = It got stuck / upload failed
verification_failed-btn-busy = "System busy" / maintenance
verification_failed-btn-restricted = "Account restricted"

verification_failed-message-ask = What did the message say when it failed? Paste the wording, or just tell me roughly what it said.
verification_failed-message-reask = Send me whatever it said, or tap "I'm not sure" if you don't remember.
verification_failed-noted = Thanks, I've noted that.

verification_failed-checklist = Let's check the three most common causes together, and resubmit once all three are sorted. That's the surest way.
verification_failed-checklist-network = 1 of 3, the network: use a stable Wi-Fi rather than patchy mobile data. Pause other downloads and uploads while you verify, and avoid peak hours if you can.
verification_failed-checklist-info = 2 of 3, your details: with the card in front of you, compare your name and ID number character by character; a single wrong digit in the ID number is the usual culprit. The phone number should also be registered in your own name.
verification_failed-checklist-photo = 3 of 3, the ID photo: take it in daylight against a plain, bright background, with all four corners of the card in the frame, no glare and no shadows. Zoom in to check it before uploading.
verification_failed-checklist-retry = With all three checked, give it one more try. Did it go through this time?
verification_failed-btn-checked = Checked, next one
verification_failed-btn-document = My ID wasn't accepted
verification_failed-btn-dup = Says I verified another account
verification_failed-btn-under = Says I'm too young
verification_failed-btn-other = Says a review rejected it

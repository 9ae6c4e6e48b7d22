# Shared texts: buttons used by many flows, and what the engine itself says.

## Buttons
common-btn-yes = Yes
common-btn-no = No
common-btn-helped = That fixed it 👍
common-btn-not-helped = Still not working
common-btn-human = Talk to a person
common-btn-menu = Main menu
common-btn-back = Back
common-btn-skip = Skip
common-btn-dont-know = I'm not sure
common-btn-notify-me = Tell me when it changes

## The engine
engine-clarify = Just to be sure I help with the right thing: which of these is it?
engine-clarify-none = Sorry, I didn't quite get that 😅 Could you put it another way, or pick a topic below?
engine-unknown-button = I didn't recognise that option. Please pick one below, or just type what's wrong.
engine-stale-button = That button is from an earlier message. Here are the current options.
engine-flow-changed = Sorry, we've just updated this service and the place we were at has changed. Let's start again from the main menu.
engine-empty = I didn't get any text. Could you send that again?
engine-too-long = That's a long message; I read the first { $max } characters.
engine-no-back = We're already at the start, there's no step to go back to.
engine-language-switched = Sure, I'll continue in English.
engine-ended = All right, let's leave it here. Message me any time.
engine-internal-error = Sorry, something went wrong on my side. Let's go back to the main menu and try again.
engine-photo-not-expected = Got your photo. Photo checks live under "ID photo problems", so let's go there.

## Stand-ins for features that are not built yet
action-not-built-case_lookup = Looking up your case online isn't available yet.
action-not-built-service_status = I can't check the maintenance status yet (that feature isn't available yet).
action-not-built-photo_check = Automatic photo checks aren't available yet, so here are the key points for a good photo.
action-not-built-subscribe_followup = Update alerts aren't available yet, so I can't notify you when something changes.
action-not-built-escalate = Connecting you to a human agent online isn't available yet.

## Validators: why an answer was not accepted
validate-any-empty = I didn't get any text.
validate-resident_id-empty = I didn't get a number.
validate-resident_id-legacy-fifteen-digit = That's an old 15-digit ID number. Verification needs the 18-character number on your current card.
validate-resident_id-wrong-length = An ID number has 18 characters; yours has { $length }. Check for a missing or extra digit.
validate-resident_id-invalid-character = Character { $position } isn't right: an ID number is all digits, and only the last one may be an X.
validate-resident_id-unknown-region = The first two digits aren't a valid province code. Check the start of the number.
validate-resident_id-invalid-birth-date = The birth date in the middle (characters 7 to 14) isn't a real date. Check for a typo there.
validate-resident_id-birth-date-in-future = The birth date in the middle (characters 7 to 14) is after today. Check for a typo there.
validate-resident_id-bad-check-digit = The last character doesn't match the others, so one digit is probably mistyped. Compare it with your card digit by digit.
validate-mobile-empty = I didn't get a phone number.
validate-mobile-invalid-character = A phone number should only have digits (a +86 in front is fine).
validate-mobile-wrong-length = A mainland mobile number has 11 digits; yours has { $length }.
validate-mobile-bad-prefix = Mainland mobile numbers start with 13 to 19; this one starts differently.
validate-case_id-missing = I couldn't find a case number in your message. It looks like KYC-20240611-000123.
validate-date-invalid = I didn't recognise that date. Try writing it like 2024-06-11.

## Names of topics, used when the bot asks which one is meant
intent-info_mismatch = Details don't match
intent-network = Network or upload failed
intent-photo_quality = ID photo problems
intent-maintenance = System down or maintenance
intent-prior_violation = Account restricted
intent-document_expired = ID expired
intent-face_liveness = Face check failed
intent-video_device = Video check: camera or mic
intent-sms_code = SMS code
intent-verification_failed = Failed, cause unknown
intent-status_query = Check review status
intent-retry = Can I try again?
intent-how_to_verify = How to verify
intent-why_verify = Why verify?
intent-forgot_info = Forgot what I used
intent-privacy = Privacy and data safety
intent-account_security = Account security
intent-human_agent = Talk to a person
intent-out_of_scope = Something else

## The terminal chat
chat-invalid-json = That line isn't valid input ({ $detail }). Send {"{"}"text": "..."{"}"} or {"{"}"button": "..."{"}"}.
chat-photo-unreadable = I couldn't read that photo: { $detail }
chat-line-too-long = That line is too long ({ $detail }), so I didn't read it. Please send a shorter message.
chat-not-saved = Sorry, that message couldn't be saved ({ $detail }). Please send it again.

## The case-status API
case-found-fixable = I found your verification ({ $case_id }). { $other_reasons ->
        [0] Here's what held it up:
       *[other] A few things need fixing; let's start with the first, and look at the other { $other_reasons } after:
    }
case-error = { $error ->
        [timeout] The verification system is answering very slowly, so I can't see your case right now.
        [rate-limited] The verification system is very busy, so I can't see your case right now.
       *[other] I can't reach the verification system right now, so I can't see your case.
    } Let's work it out with a few questions; you can ask me to check again later.
followup-needs-case = To tell you when your case changes, I need its number (it looks like KYC-20240611-000123).
engine-upset = I'm sorry this has been so frustrating. Let's get a person on it.
engine-unclear-handoff = I'm sorry, I keep missing what you mean. A person will understand better.
action-not-built-leave_message = Leaving a message for the agents isn't available yet.
action-not-built-record_rating = Ratings can't be recorded right now.

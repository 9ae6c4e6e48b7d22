# Details don't match: what was entered differs from the ID card or the official records.

info_mismatch-intro = "Information doesn't match" means what you entered differs from your ID card or the official records. Don't worry: usually it's just one character or digit off.
info_mismatch-which = Which detail did the message mention?
info_mismatch-btn-name = Name doesn't match
info_mismatch-btn-id-number = ID number doesn't match
info_mismatch-btn-dob = Date of birth doesn't match
info_mismatch-btn-phone = Phone not in my name
info_mismatch-btn-not-found = No record found
info_mismatch-btn-rare = My name has a rare character
info_mismatch-btn-name-is-right = Name is right: rare character
info_mismatch-btn-check-id = Check the number's format
info_mismatch-btn-check-mobile = Check my phone number
info_mismatch-btn-other-details = Check the other details

## Name
info_mismatch-name-why = A name mismatch means the name you entered differs from the one registered for your ID card.
info_mismatch-name-check = Compare it with your card one character at a time: your full Chinese name, no English or former name, no characters that only sound the same, no spaces. In a minority name, the dot in the middle is the middle dot "·", not "." or "•". Then submit again.

## Rare character: the name is right, a person has to help
info_mismatch-rare-why = You didn't type your name wrong. Some rare characters can't be read by the checking system, so even a correctly entered name may fail the check.
info_mismatch-rare-dot = If yours is a minority name, the middle dot "·" between the parts is right, so there's no need to keep changing it.

## ID number
info_mismatch-id-number-why = An ID number mismatch is most often one wrong digit, or two digits swapped.
info_mismatch-id-number-check = Check the 18 characters against your card in groups: the first 6, the 8-digit birth date in the middle, then the last 4 (the last one may be the letter X). Fix it and submit again.
info_mismatch-all = No problem, let's go through it one detail at a time, starting with the usual suspect: the ID number.
info_mismatch-id-offer = Would you like me to check your ID number's format?

## ID number format check (format only; the number is never kept)
info_mismatch-id-ask = Send me your ID number and I'll check its format. I only check the format: I don't keep the number, and I can't see the official records.
info_mismatch-id-reask = Please look at your card and send the 18-character number again.
info_mismatch-id-ok = The format is right: { $id_number }
info_mismatch-id-ok-compare = But a correct format doesn't prove it's the number on your card: two swapped digits can slip through. Please compare it digit by digit once more; if it's right, let's look at your name and phone number next.
info_mismatch-id-failed = The format still isn't right. The number printed on your card is always correct, so type it in digit by digit while looking at the card. If it still won't pass, let a person from support take a look.

## Date of birth
info_mismatch-dob-why = A date of birth mismatch means the birthday you entered differs from the one registered for your ID.
info_mismatch-dob-check = Compare the year, month and day with the date of birth on the front of your card. Characters 7 to 14 of your ID number are also your birth date (e.g. 19900105), so a typo there causes this too.

## No record found
info_mismatch-not-found-why = "No record found" means the official records have nobody with the name and ID number you entered.
info_mismatch-not-found-check = Usually one of the two has a small mistake. Please check both against your card, fix it and submit again.

## Phone number
info_mismatch-phone-why = This means the phone number isn't registered in your own name.
info_mismatch-phone-own = The phone number you verify with has to be registered in your own name: carriers check the name, ID number and phone number together. If it's registered to a family member, use a number in your own name; if you're not sure, ask your carrier.
info_mismatch-mobile-ask = Send me the phone number and I'll check its format. I only check the format: I don't keep the number, and I can't see whose name it's registered in.
info_mismatch-mobile-reask = Please send the 11-digit number again (with or without +86).
info_mismatch-mobile-ok = The format is right: { $mobile }. As long as it's registered in your own name, submit again with it.
info_mismatch-mobile-failed = The format still isn't right. Please double-check your phone number, fix it and submit again.

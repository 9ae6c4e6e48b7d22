# ID expired, expiring soon or cancelled.

document_expired-intro = An expired or cancelled ID card can't be used for verification. Don't worry: with a new card you can verify again.
document_expired-which = Which one is it?
document_expired-btn-expired = My ID has expired
document_expired-btn-expiring = My ID expires soon
document_expired-btn-cancelled = Old card replaced or lost
document_expired-btn-is-expired = Yes, it has expired
document_expired-btn-still-valid = Not expired / long-term
document_expired-btn-rules = How long is an ID valid?
document_expired-btn-have-new = I already have a new card
document_expired-btn-will-renew = OK, I'll renew it
document_expired-btn-no-new-card = I don't have the new card
document_expired-btn-photo = Photo tips

document_expired-expired-why = The ID card you used is past its validity date, and an expired card can't pass verification.
document_expired-expiring-why = The system says your ID card expires soon, which is why this verification didn't pass.
document_expired-cancelled-why = The system says this ID card is no longer valid: once a card is replaced, or reported lost and reissued, the old one can't be used.

document_expired-check-validity = Turn your card over to the back (the side with the national emblem) and find the validity period (有效期限). If the end date has passed, it has expired; if it says 长期 (long-term), it never expires.
document_expired-rules = How long a card is valid depends on your age when it was issued: under 16, 5 years; 16 to 25, 10 years; 26 to 45, 20 years; 46 and over, long-term. A temporary ID card lasts only 3 months.
document_expired-renew = You'll need a new card from your local public security bureau (派出所); ask them what to bring. Once you have it, submit the verification again with the new card.
document_expired-use-newest = Please use your newest ID card: enter its details again, photograph both sides of it, and submit again.
document_expired-not-expired = If your card hasn't expired, maybe the details or photos are still from an old card, so make sure you used the newest one. Or the validity period in the photo of the back wasn't readable.
document_expired-bye = All right. Once you have your new card, come back any time and we'll go through verification together.

# The document itself cannot be used (flow unsupported_document).

unsupported_document-intro = This time the issue is with the document itself. Let's see which case it is, then what to do.
unsupported_document-which = Which of these is closest?
unsupported_document-btn-other-type = I used another document
unsupported_document-btn-damaged = My ID card is damaged
unsupported_document-btn-digital = I used an e-ID or a screen
unsupported_document-btn-not-at-hand = My ID card isn't with me

unsupported_document-type = Verification here is done with a resident identity card (居民身份证). Whether other documents, like a passport or a Hong Kong/Macau travel permit (港澳通行证), can be used depends on the platform, so I can't promise that.
unsupported_document-type-step = If you have a resident identity card, please verify with it: take clear photos of the front and the back and submit again.
unsupported_document-btn-will-use-id = OK, I'll use my ID card
unsupported_document-btn-no-id = I don't have one

unsupported_document-damaged = If the card is damaged, for example cracked or worn so the photo or text is hard to read, it can't pass verification. A damaged card needs replacing first; then verify with the new one.
unsupported_document-btn-get-new = OK, I'll get a new card
unsupported_document-btn-photo = Card's fine, the photo wasn't
unsupported_document-btn-question = I still have a question

unsupported_document-digital = Verification needs the physical ID card itself. An electronic ID, or a photo of a card on a screen, isn't accepted.
unsupported_document-digital-step = Put the physical card on a plain surface, photograph the front and the back directly, and submit again.
unsupported_document-btn-not-with-me = The card isn't with me

unsupported_document-not-at-hand = Verification needs photos of the front and back of the physical card, so you'll need it with you. A photocopy or a picture on a screen can't replace it.
unsupported_document-btn-get-card = OK, I'll get my card
unsupported_document-btn-lost = My ID card is lost
unsupported_document-lost = A lost ID card needs replacing first. A colleague can look at what's possible for you in the meantime.

unsupported_document-come-back = All right. Once you have the card in hand, come back any time and we'll finish the verification together.

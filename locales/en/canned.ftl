# Canned replies for agents in the console: `canned-<cause>-<n>`, with a short `.title` for the
# picker. The agent may edit a reply before sending it. Written to the user, in the agent's voice.

## General
canned-general-1 = Hi, I'm from the support team and I've taken over from the assistant. I can see what you've tried so far, so there's no need to repeat it. Give me a moment to look at your case.
    .title = Greeting
canned-general-2 = Thanks for waiting. I'm checking the details of your verification now and will get back to you in a couple of minutes.
    .title = Still checking
canned-general-3 = Is there anything else I can help you with? If not, I'll close this chat. You can always write again here if something comes up.
    .title = Anything else?

## Information does not match
canned-info_mismatch-1 = The details you entered don't match your ID card or the official records. Please compare each field with the physical card, character by character: full name, ID number (18 characters, the last one can be X) and the phone number.
    .title = Compare every field
canned-info_mismatch-2 = The phone number needs to be registered in your own name, the same name as on the ID card. If it is registered to someone else, please use a number in your name and try again.
    .title = Phone in your name
canned-info_mismatch-3 = If your name has a rare character that the keyboard doesn't show correctly, the check can fail even when you typed it right. I've noted this on your case and I'll have it reviewed by hand, so you don't need to keep retrying.
    .title = Rare character in name

## Network
canned-network-1 = It looks like the connection dropped while your information was being sent. Please switch to a stable Wi-Fi network instead of mobile data, close other downloads, and try once more.
    .title = Switch to Wi-Fi
canned-network-2 = The service is busiest in the evening. If it keeps timing out, please try again at a quieter time, such as the morning. Nothing is lost: you can start again from the beginning.
    .title = Try off-peak

## Maintenance
canned-maintenance-1 = Verification is under maintenance right now, so submissions can't be processed. It's not a problem with your account. Please try again once the maintenance is over; I can let you know here when it is.
    .title = Under maintenance
canned-maintenance-2 = The maintenance has finished and verification is working again. You can resubmit now; your earlier attempt won't count against you.
    .title = Maintenance over

## Earlier violations
canned-prior_violation-1 = I understand this is frustrating. Verification was declined after a review of the account's history, and it isn't something that can be fixed by resubmitting. If you believe this is a mistake, I can open an appeal for you.
    .title = Declined after review
canned-prior_violation-2 = I've opened an appeal with the review team. They look at each case by hand, which usually takes 1 to 3 working days, and you'll get a notification with the result.
    .title = Appeal opened

## Document expired
canned-document_expired-1 = Your ID card appears to have expired. You can check the validity period on the back of the card. Once you have the renewed card, please submit photos of the new one.
    .title = Card expired
canned-document_expired-2 = If you've applied for a new card, a temporary ID card is valid for three months. Please check whether your platform accepts it; otherwise, please resubmit once you have the new card.
    .title = Waiting for a new card

## Photo quality
canned-photo_quality-1 = The reviewers couldn't read your ID photo clearly. Please take a new one in daylight, with the card flat on a plain background, all four corners in the frame, and the flash off to avoid glare.
    .title = Retake the photo
canned-photo_quality-2 = Please upload both sides: the front with your photo and the back with the validity period. Photograph the original card directly; screenshots, copies and black-and-white photos are not accepted.
    .title = Both sides, original card
canned-photo_quality-3 = Before you submit, zoom in on the photo and check that every character is sharp and there are no white spots or shadows on the card. If it looks clear to you, it's very likely fine.
    .title = Check before sending

## Face recognition
canned-face_liveness-1 = Face recognition works best with even light on your face. Please remove any hat, glasses or mask, face the camera directly, and follow the on-screen prompts (blink, turn your head) slowly.
    .title = Lighting and prompts
canned-face_liveness-2 = Your case needs a manual review by our security team, so trying again won't change the result for now. I've passed it on; they usually reply within 1 to 3 working days.
    .title = Manual review

## Video verification device
canned-video_device-1 = Please make sure the app is allowed to use the camera and microphone (in your phone's settings, under app permissions), and test both in another app first. Then restart the app and try the video again.
    .title = Camera and mic permissions
canned-video_device-2 = For the video, find a quiet place with good light that doesn't shine straight into the camera, and a plain background. Hold your ID card up close to the camera when asked, so the text is readable.
    .title = Video set-up tips

## SMS code
canned-sms_code-1 = If the code doesn't arrive, please check that the number is correct and that you have signal, and wait a minute before tapping resend. Codes sometimes land in the spam or blocked messages folder.
    .title = Code not arriving
canned-sms_code-2 = Each code is only valid for a few minutes, and only the newest one works. Please request a new code and enter it right away.
    .title = Code expired

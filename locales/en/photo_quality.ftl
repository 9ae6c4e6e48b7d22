# ID photo problems: the review couldn't read the photo of the card.

photo_quality-intro = A rejected photo usually means the reviewers couldn't read the card clearly. Easy to fix: a new photo will do.
photo_quality-which = What did the message say? Or send me the photo and I'll check it.
photo_quality-btn-check = Check my photo
photo_quality-btn-blurry = Blurry
photo_quality-btn-glare = Glare or reflection
photo_quality-btn-dark = Too dark
photo_quality-btn-cut-off = Card cut off
photo_quality-btn-obscured = Something covers the card
photo_quality-btn-side-missing = One side missing
photo_quality-btn-wrong-side = Front and back mixed up
photo_quality-btn-not-original = No screenshots or copies
photo_quality-btn-bw = Black and white
photo_quality-btn-low-res = Resolution too low
photo_quality-btn-tips = Show me the photo tips
photo_quality-btn-send-again = I'll retake and send it

## Each code's own fix
photo_quality-blurry = Blur usually comes from a shaky hand or missed focus. Lay the card flat, hold the phone steady and tap the card on screen to focus before you shoot; a smudged lens blurs too, so give it a wipe.
photo_quality-glare = Glare hides the text. Turn off the flash, don't shoot right under a lamp, and tilt the phone slightly until there are no white spots on the card; take it out of any card sleeve first.
photo_quality-dark = In a dark photo the text can't be read. Move somewhere brighter, ideally by a window in daylight; don't use the flash to light it, as that causes glare.
photo_quality-cut-off = Part of the card is cut off. Get the whole card in the frame with all four corners showing and a little space around it, and hold the phone straight above the card, not at an angle.
photo_quality-obscured = Something is covering part of the card, like a finger, a sleeve or a sticker. Lay the card flat instead of holding it, remove any sleeve or sticker, and make sure every character shows.
photo_quality-side-missing = Both sides of the ID card are needed: the front with your photo and the back with the national emblem. Check whether one is missing, add it and submit again.
photo_quality-wrong-side = The sides are mixed up. The side with your photo goes in the "front" slot, and the side with the national emblem and the validity period goes in the "back" slot. Swap them and submit again.
photo_quality-not-original = Only a photo of the original card is accepted: no screenshots, photocopies or pictures of a screen. Take out your physical ID card and photograph it directly.
photo_quality-bw = Black-and-white photos aren't accepted; it has to be in colour. Turn off any black-and-white filter or "document scan" mode and take a normal colour photo.
photo_quality-low-res = The resolution is too low to read the text. Use your phone's rear camera and let the card fill most of the frame; don't send a zoomed-in screenshot or a picture forwarded through a chat app, as those get compressed.

## General photo tips, one at a time
photo_quality-tips-light = First, the light: natural daylight works best, by a window or outdoors. No flash, and keep the shadow of your hand or phone off the card. Retake it this way and try again.
photo_quality-tips-frame = Next, background and framing: put the card on a clean, bright, plain background and get the whole card in, all four corners. Retake it and submit again.
photo_quality-tips-review = Last, before uploading, zoom in and check: all text sharp, no glare or shadows, all four corners there. Then submit.

## Checking the user's photo
photo_quality-send-photo = Sure, just send me a photo of your ID card, the one you're about to upload. I only use it for the check and don't keep it.
photo_quality-check-passed = I've had a look: this photo is clear and all four corners are there, no obvious problems. Try uploading this one.
photo_quality-check-failed = Fix that and send me a new photo, or have a look at the photo tips first.
photo_quality-check-no-photo = I didn't get a photo. Please send the photo of your ID card right here.
photo_quality-check-failed-again = This one still has a problem. You can try another photo, or upload this one anyway (it may be turned down).
photo_quality-btn-proceed = Upload it anyway

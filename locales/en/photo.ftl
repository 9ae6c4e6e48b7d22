# The ID-photo check: what the bot says after looking at the photo of an ID card.
# photo-finding-<code in lower case> for each problem found (most important first),
# photo-error-<code> for a file that could not be checked at all.

photo-ok = Looks good: the whole card is in, sharp and well lit. Go ahead and upload it in the app.
photo-proceed-anyway = This photo still has a problem, so the review may turn it down. If you can't take a better one right now, you can upload it anyway; if it comes back, I'm here to help.

## Problems found in the photo

photo-finding-photo_too_dark = The photo is too dark to read the card. Move somewhere brighter, ideally by a window in daylight; don't use the flash, it causes glare.
photo-finding-overexposed = The photo is too bright: the card looks washed out and the text fades. Move out of direct sunlight or away from the lamp, and turn off the flash.
photo-finding-no_card_found = I can't make out the ID card in this photo. Lay the card flat on a plain, darker surface and shoot from straight above, with the whole card in the frame.
photo-finding-photo_cut_off = { $corner ->
    [top-left] The top-left corner is cut off: step back a little so the whole card fits, with some space around it.
    [top-right] The top-right corner is cut off: step back a little so the whole card fits, with some space around it.
    [bottom-left] The bottom-left corner is cut off: step back a little so the whole card fits, with some space around it.
    [bottom-right] The bottom-right corner is cut off: step back a little so the whole card fits, with some space around it.
    [top] The top edge of the card is cut off: move the phone up a little, or step back, so the whole card fits.
    [right] The right side of the card is cut off: move the phone to the right a little, or step back, so the whole card fits.
    [bottom] The bottom edge of the card is cut off: move the phone down a little, or step back, so the whole card fits.
    [left] The left side of the card is cut off: move the phone to the left a little, or step back, so the whole card fits.
   *[other] Part of the card is cut off: step back a little so all four corners are in the frame.
}
photo-finding-black_and_white = This is a black-and-white photo, and only colour photos are accepted. Turn off any mono filter or "scan document" mode and take a normal colour photo.
photo-finding-low_resolution = The card is too small in this picture for its text to be read. Use the phone's main camera, let the card fill most of the frame, and send the original photo, not a screenshot or a forwarded picture.
photo-finding-card_too_small = The card is quite small in the photo. Bring the phone closer so the card fills most of the frame, keeping all four corners in.
photo-finding-photo_blurry = The photo is blurry, so the text is hard to read. Lay the card flat, hold the phone steady and tap the card on screen to focus; a smudged lens blurs too, so give it a wipe.
photo-finding-photo_glare = A bright reflection is hiding part of the card. Turn off the flash, move away from the lamp, or tilt the phone slightly until the white spot is gone.
photo-finding-tilted = The card is turned about { $degrees }° in the photo. Turn the phone so the card's edges line up with the edges of the picture.

## Files that could not be checked

photo-error-empty = The file I got is empty. Please send the photo again.
photo-error-too-large = This file is too big for me to check (over { $max_mb } MB). Send it as a photo rather than as a file, and the chat app will make it smaller.
photo-error-not-an-image = That doesn't look like a photo. Please send a picture of your ID card (JPEG or PNG).
photo-error-heic = This photo is in HEIC format, which I can't open. Send it as a photo rather than as a file (the chat app turns it into a JPEG), or set the camera to "Most Compatible" (iPhone: Settings → Camera → Formats) and take it again.
photo-error-unsupported = I can't check { $format } images. Please send the photo as a JPEG or PNG.
photo-error-too-many-pixels = This picture is too large for me to check ({ $megapixels } megapixels). Take it in the camera's normal mode rather than the high-resolution one, or send it as a photo rather than as a file.
photo-error-corrupt = This file looks damaged or incomplete; maybe the upload was cut short. Please send the photo again.

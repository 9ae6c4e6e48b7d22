# Face recognition / liveness (flow face_liveness).

face_liveness-intro = Sorry the face check didn't work, that's frustrating. It can usually be fixed by adjusting the light, anything covering your face, and how you hold the phone.
face_liveness-which = What did the check say?
face_liveness-btn-not-visible = It couldn't find my face
face_liveness-btn-liveness = Blink or head-turn step failed
face_liveness-btn-mismatch = Says I don't match my ID photo
face_liveness-btn-review = It says it needs a review
face_liveness-btn-face-used = Says my face is already used

face_liveness-light = First, the light: find a bright spot where the light falls evenly on your face. Don't have a window or lamp behind you; backlight makes your face too dark. Then try the face check again.
face_liveness-uncovered = Next, make sure nothing covers your face: take off any hat, glasses or mask, and keep your hair out of your eyes. Then give it another go.
face_liveness-steady = How you hold the phone matters too: hold it steady at eye level, look straight at the camera, and keep your whole face inside the frame.
face_liveness-prompts = When the screen asks you to blink, open your mouth or turn your head, wait for each prompt, then do it at a normal pace. No need to rush or exaggerate.

face_liveness-not-visible = The camera couldn't get a clear view of your face. That's usually the light, or something in the way. Let's go step by step.
face_liveness-liveness = This time it was the step with the movements. It needs you to follow each prompt in turn while the picture stays steady.

face_liveness-mismatch = The check compares your face with the photo on your ID card. If that photo is a few years old, matching gets harder, and that's not your fault.
face_liveness-mismatch-light = It's still worth one more try in good conditions: even light on your face, nothing bright behind you, and look straight at the camera.
face_liveness-mismatch-uncovered = For the next try, take off glasses, hat and mask, and look as close to your ID photo as you can, for example with your hair away from your face.
face_liveness-mismatch-review = If it still doesn't match, there's no need to keep trying. A person can compare the photos properly.

face_liveness-needs-review = This face check needs a person to look at it; trying again yourself won't change the result.

# Video verification: camera, microphone, device and surroundings (flow video_device).

video_device-intro = Video verification needs both the camera and the microphone, so if either one acts up it can't go through. No worries, let's find where it's stuck.
video_device-which = What exactly happens?
video_device-btn-permission = Says no camera/mic permission
video_device-btn-camera = Camera won't open / black
video_device-btn-mic = Microphone picks up nothing
video_device-btn-device = Says device not supported
video_device-btn-environment = Camera works, still failed

video_device-permission-intro = The wallet app isn't allowed to use the camera or microphone. You can switch that on in your phone's settings.
video_device-permissions = Here's how. iPhone: Settings → the wallet app → turn on Camera and Microphone. Android: usually Settings → Apps → the wallet app → Permissions, then allow Camera and Microphone. Then close and reopen the app and try again.
video_device-camera-intro = If the camera won't start or stays black, another app may be holding on to it.
video_device-close-apps = Close any other apps that might be using the camera or microphone, like video calls, the camera, voice recorders or screen recording. Then reopen the wallet app and try again.
video_device-mic-intro = If the microphone picks up nothing, first check that the wallet app is allowed to use it.
video_device-test-devices = Let's check the phone itself: open the phone's own camera app, record a short video with sound and play it back. Do the picture and the sound both work?
video_device-btn-test-works = Yes, both work
video_device-btn-test-broken = No, something's wrong
video_device-update = Update the wallet app and your phone's system to the latest versions, then try the video check again.
video_device-other-phone = If it still won't work, try the video check on another phone, logged in to your wallet account. That's the quickest way to tell whether this phone is the problem.
video_device-device-intro = "Device not supported" can mean the app or the phone's system is out of date, or that this phone can't do the video check at all. Let's try updating first.

video_device-environment-intro = The video check may have failed because the picture or the surroundings weren't good enough, like the light or the background. Let's improve them.
video_device-light = First, find a spot with good light, ideally daylight. Avoid strong direct light on your face or the card, as it causes reflections.
video_device-background = Keep the background plain, like a bare wall, with nothing busy behind you.
video_device-show-id = When you're asked to show your ID, hold it up to the camera and keep it still, front side facing the camera, with your fingers off the text and the photo.
video_device-btn-id-card = My ID card is the problem
video_device-prepare = One last tip: before you start, read what the video check asks for, have your ID card at hand, and practise once in front of the camera. When you do it for real, relax and take your time.

# Network: the connection dropped during the upload or the video.

network-intro = When an upload or the video drops halfway, it's usually an unstable connection: the data didn't reach the server in full.
network-which = Where did it drop?
network-btn-upload = Photo upload failed
network-btn-video = Video froze or dropped

network-upload-why = The connection dropped while your photo was uploading, so it didn't go through.
network-stream-why = Video verification streams the whole time, so any hiccup in the connection can cut the video off.
network-wifi = First, switch to a stable Wi-Fi network instead of mobile data; weak signal spots drop easily too. Then try again.
network-pause = While you verify, pause other downloads and uploads (app updates, photo backups) so verification gets the full connection. Then try again.
network-off-peak = If it still fails, the network may just be busy at peak time. Try again a bit later, at a quieter time of day.

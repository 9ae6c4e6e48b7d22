# The web widget's own texts (buttons, placeholders, states, errors). The bot's messages come
# from the flows; these are only the frame around them. Served by GET /api/v1/widget/texts.
# A `{ $name }` is filled in by the widget itself (the server renders these without arguments).

## Frame
widget-launcher = Chat with us: verification help
widget-title = Verification help
widget-subtitle = Assistant · replies right away
widget-close = Close chat
widget-you = You
widget-bot = Assistant
widget-signed-in = Signed in: the assistant can see your verification case.
widget-history = Earlier messages

## Writing
widget-input-label = Message
widget-placeholder = Type your message…
widget-send = Send
widget-photo = Send a photo
widget-photo-preview = Preview of the photo you are about to send
widget-photo-send = Send this photo
widget-photo-cancel = Cancel
widget-photo-sent = 📷 Photo
widget-uploading = Uploading photo…
widget-sending = Sending…
widget-typing = The assistant is typing…

## Language
widget-lang-switch = Switch language
widget-lang-other = 中文
widget-lang-name = English

## New messages
widget-new-messages = New messages
widget-unread = New messages: { $count }
widget-queue = Connecting you to a person: you are number { $position } in the queue.

## Problems
widget-not-sent = Not sent
widget-retry = Retry
widget-offline = You're offline. Your messages will be sent when you're back online.
widget-reconnecting = Reconnecting…
widget-server-down = We can't reach the support service right now. Please try again in a moment.
widget-rate-limited = You're sending messages too quickly. Trying again in { $seconds } s.
widget-photo-too-large = That photo is over 10 MB. Please choose a smaller one, or take it again.
widget-photo-wrong-type = Please choose a JPG, PNG or WebP photo.
widget-too-long = That message is too long. Please send it in shorter parts.
widget-forbidden = This chat session has expired or couldn't be verified. Please reload the page.
widget-error = Something went wrong. Please try again.
widget-queue-wait = Connecting you to a person: you are number { $position } in the queue, about { $minutes } min.
widget-agent-typing = { $agent } is typing…

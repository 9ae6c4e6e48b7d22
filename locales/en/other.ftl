# Final outcomes without a cause of their own (flow other).

other-intro = This one is less common, so let me check which message you saw.
other-which = Which of these is closest?
other-btn-review = Says documents need checking
other-btn-region = Says my region isn't supported
other-btn-manual = Rejected after manual review

other-review = The documents you sent need a person to take another look, and that can't be done here in the chat.
other-region = Verification here isn't available for your region at the moment. A person can tell you whether there's another way.
other-manual = A reviewer looked at your verification and couldn't approve it this time. A colleague can explain what that means and what you can do next.
other-unknown = I can't tell the exact reason from here. A person can look at your verification record and tell you what's going on.

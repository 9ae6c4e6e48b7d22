handoff-offer = This looks like something a person should handle. Shall I pass you to a human agent? They'll see everything we've talked about, so you won't have to repeat it.
handoff-btn-yes = Yes, a person please
handoff-btn-no = Not now
handoff-queued = You're in the queue for a human agent. They'll see our conversation so far; it won't be long.
handoff-unavailable = You can reach a human agent in the wallet app under "Me → Help & Support". Tell them your problem and the message the verification showed; it speeds things up.

followup-case-changed = There's news on your verification ({ $case_id }). Let me take a look:
followup-unavailable = There's news on your verification, but I can't see the details right now. Check the result under "Verification" in the app, or ask me again in a bit.
followup-btn-status = Check again for me
followup-maintenance-over = Good news: the verification system's maintenance is over, so you can submit your verification again now.
followup-btn-try-again = OK, I'll try

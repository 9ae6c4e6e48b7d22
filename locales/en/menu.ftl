menu-welcome = Hi 👋 I'm the verification assistant. Sorry your verification didn't go through; let's find out why together.
    Pick the closest match, or just tell me in a sentence what happened:
menu-again = Anything else I can help with? Pick one, or just tell me:
menu-btn-info = My details don't match
menu-btn-photo = ID photo problems
menu-btn-face = Face check failed
menu-btn-sms = No SMS code
menu-btn-network = Upload failed / stuck
menu-btn-video = Video check: camera or mic
menu-btn-expired = My ID has expired
menu-btn-restricted = Account restricted
menu-btn-maintenance = System down / maintenance
menu-btn-status = Check review status
menu-btn-unknown = It failed, not sure why
menu-btn-faq = Other questions

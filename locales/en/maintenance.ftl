# Maintenance or a temporary outage.

maintenance-active = Verification is under maintenance right now, expected to end { $maintenance_until }. Submissions fail until then; it's not you. Just try again once it's over.
maintenance-scheduled = Verification is working right now, but there's planned maintenance, expected to end { $maintenance_until }. Submissions fail during it; if you run into it, try again once it's over.
maintenance-clear = I checked: verification is running normally right now, so this failure probably has another cause, most often the network. Want some network tips?
maintenance-btn-later = OK, I'll try later
maintenance-btn-network = Network tips

maintenance-which = Which is closer to the message you saw?
maintenance-btn-busy = Maintenance or system busy
maintenance-btn-authority = Identity check unavailable

maintenance-service-why = That means the verification service is temporarily unavailable, under maintenance or busy. It's rare, and it's not something you did.
maintenance-authority-why = That means the official records we check your details against couldn't be reached for a while. It doesn't mean anything is wrong with your details.
maintenance-try-later = Just submit again in a little while; there's nothing to change.

maintenance-notices = Maintenance notices and when it's over usually appear in the app's announcements, on the official website and on the official social accounts, so keep an eye on those. Shall I tell you when it's back?
maintenance-subscribed = Done: I'll message you when the maintenance is over, and then you can submit again.
maintenance-subscribe-unavailable = Then please try again in a while; the official notices will say when it's back.
maintenance-later = All right. Submit again once the maintenance is over; the app's official announcements will show the time.

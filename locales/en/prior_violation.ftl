# Account restricted: the platform's security review refused verification. Calm and neutral; no
# reasons, no rules, no blame.

prior_violation-intro = I know this is stressful. To be upfront: I can't see the reasons behind this kind of result or change it, but I can get you to a colleague who can.
prior_violation-which = Which is closer to the message you saw?
prior_violation-btn-review = Didn't pass a security review
prior_violation-btn-restricted = Account restricted or banned
prior_violation-btn-extra-check = Needs further checks

prior_violation-review = This verification didn't pass the platform's security review. That doesn't mean you did anything wrong, but it's not something resubmitting can change.
prior_violation-restricted = Your account is currently restricted, so verification can't continue for now. Whether that can be lifted needs a review by a colleague.
prior_violation-extra-check = Your verification needs one more manual check before it can continue. It's part of the review process and doesn't mean you're suspected of anything.
prior_violation-general = This needs a person to look at it; I can't view or change review results.
prior_violation-appeal = If you think the result is wrong, you can appeal. Appeals are handled by our support team: they can see the details and will tell you what happens next.

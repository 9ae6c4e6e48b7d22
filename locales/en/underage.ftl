# The ID holder does not meet the age requirement (flow underage).

underage-explain = The result shows that the ID holder doesn't yet meet the age requirement for verifying this account, so it can't go through this time.
underage-next = If you think the date of birth was read wrong, or you'd like to know what you can do next, a person can look into it. Shall I pass you to a human agent?
underage-btn-human = Yes, a person please

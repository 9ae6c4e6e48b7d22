# The ID holder does not meet the age requirement (flow underage).

underage-explain = 认证结果显示，证件持有人的年龄还没达到这个账户的认证要求，所以这次没法通过。
underage-next = 如果你觉得出生日期识别得不对，或者想了解接下来可以怎么办，可以让人工同事帮你看看。要帮你转人工吗？
underage-btn-human = 好，转人工

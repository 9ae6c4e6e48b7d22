# 账户被限制：平台的安全审核没有通过认证。语气平和，不说原因和规则，不指责。

prior_violation-intro = 遇到这种情况确实让人着急。先跟你说清楚：这类结果的具体原因我这边看不到，也改不了，但我可以帮你找到能处理的同事。
prior_violation-which = 你看到的提示更接近哪一种？
prior_violation-btn-review = 安全审核没通过
prior_violation-btn-restricted = 账户被限制或封禁
prior_violation-btn-extra-check = 需要进一步核实

prior_violation-review = 这次认证没有通过平台的安全审核。这不等于认定你做错了什么，只是这个结果没法靠重新提交来改变。
prior_violation-restricted = 你的账户目前处于限制状态，所以认证暂时没法继续。能不能解除，需要同事人工复核。
prior_violation-extra-check = 你的认证需要人工再核实一次才能继续。这是审核流程的一部分，不代表认定你有问题。
prior_violation-general = 这种情况需要人工来看，我这边没法查看或更改审核结果。
prior_violation-appeal = 如果你觉得结果有误，可以申诉。申诉由人工客服处理，他们能看到具体情况，也会告诉你接下来怎么做。

out_of_scope-redirect = 这个问题我帮不上忙，我只负责实名认证相关的问题。转账、充值、银行卡这类问题，人工客服同事可以帮你。
out_of_scope-btn-verification = 我有认证问题

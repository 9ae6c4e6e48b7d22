# Final outcomes without a cause of their own (flow other).

other-intro = 这种情况不太常见，我先确认一下你看到的是哪种提示。
other-which = 最接近下面哪个？
other-btn-review = 提示资料需要核实
other-btn-region = 提示所在地区不支持
other-btn-manual = 人工审核没通过

other-review = 你提交的资料需要工作人员再看一下，这一步在聊天里没法完成。
other-region = 目前你所在的地区还不支持在这里做实名认证。有没有别的办法，人工同事可以帮你确认。
other-manual = 审核人员看过你的认证，这次没能通过。这意味着什么、接下来可以怎么做，人工同事可以跟你说清楚。
other-unknown = 我这边看不出具体原因。人工同事可以查看你的认证记录，告诉你是怎么回事。

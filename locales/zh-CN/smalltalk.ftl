smalltalk-thanks = 不客气 😊 还有别的问题吗？
smalltalk-btn-more = 还有问题
smalltalk-btn-done = 没有了，谢谢
smalltalk-bye = 再见，祝你认证顺利！有问题随时回来找我。

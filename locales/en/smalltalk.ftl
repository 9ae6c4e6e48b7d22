smalltalk-thanks = You're welcome 😊 Anything else?
smalltalk-btn-more = I have another question
smalltalk-btn-done = No, that's all
smalltalk-bye = Bye, and good luck with the verification! Come back any time.

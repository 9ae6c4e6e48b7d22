out_of_scope-redirect = I can only help with identity verification, so I can't answer that one. For transfers, top-ups, bank cards and the like, a colleague in customer service can help.
out_of_scope-btn-verification = I have a verification question

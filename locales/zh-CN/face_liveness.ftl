# Face recognition / liveness (flow face_liveness).

face_liveness-intro = 刷脸没通过确实让人着急。别担心，这种情况一般可以从光线、脸上的遮挡和拿手机的姿势这几方面调整。
face_liveness-which = 认证时提示的是哪种情况？
face_liveness-btn-not-visible = 没识别到人脸
face_liveness-btn-liveness = 眨眼/张嘴/摇头没过
face_liveness-btn-mismatch = 提示和证件照不符
face_liveness-btn-review = 提示需要进一步审核
face_liveness-btn-face-used = 提示这张脸已认证过

face_liveness-light = 先看光线：找个明亮的地方，让光均匀地照在脸上，别背对窗户或灯，逆光时脸会发黑。调好了再刷一次试试。
face_liveness-uncovered = 再看看脸上有没有遮挡：把帽子、眼镜和口罩都摘掉，头发别挡住眼睛。然后再试一次。
face_liveness-steady = 拿手机的姿势也很关键：手机举到和眼睛差不多高，拿稳别晃，正对镜头，让整张脸都在框里。
face_liveness-prompts = 屏幕让你眨眼、张嘴或者转头时，等提示出来再做，按平时的速度来就行，不用太快，也不用太夸张。

face_liveness-not-visible = 刚才系统没能看清你的脸，一般是光线不够，或者脸被什么挡住了。我们一步一步来。
face_liveness-liveness = 这次是做动作那一步没过。这一步要跟着提示一个个做，同时画面要稳。

face_liveness-mismatch = 系统会拿你的脸和身份证上的照片比对。证件照要是好几年前拍的，比对起来会难一些，这不怪你。
face_liveness-mismatch-light = 还是值得在好一点的条件下再试一次：光线均匀照在脸上，别逆光，正对镜头。
face_liveness-mismatch-uncovered = 再试的时候把眼镜、帽子、口罩都摘掉，尽量和证件照上的样子接近，比如别让头发挡住脸。
face_liveness-mismatch-review = 如果还是对不上，就不用反复刷了，让人工来比对更稳妥。

face_liveness-needs-review = 这次刷脸的结果需要工作人员看一下，不是自己多试几次就能解决的。

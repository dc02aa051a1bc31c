# Pilot applications, review workflow, determinations, joint regulatory plans (issue 3).

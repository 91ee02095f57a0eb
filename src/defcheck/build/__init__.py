"""Build definition files: a plan, then a backend that executes it.

`plan.make_plan` turns a parsed file (and build arguments) into a `BuildPlan` of frozen
values; `backend.select_backend` picks apptainer, singularity or buildah; `apptainer.build`
drives the real Apptainer CLI, `buildah.build` executes the plan with buildah and writes
Apptainer's container layout (`layout`). Nothing here prints: progress goes to a
`backend.Reporter`, failures are `BuildError`s naming file, line, stage and section.
"""

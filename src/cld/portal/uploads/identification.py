"""What a received file is, told from its content before it is queued. The code
lives in the pipeline (:mod:`cld.pipeline.identify_files`), so the portal and the
orchestrator's drop zone tell a file the same way."""

from cld.pipeline.identify_files import Identity, identify_file

__all__ = ["Identity", "identify_file"]

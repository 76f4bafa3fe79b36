"""The Qt layer: adapts the core's services to widgets. Nothing below `ui/` is imported by the
core."""

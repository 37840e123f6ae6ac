"""sovgate.protect"""

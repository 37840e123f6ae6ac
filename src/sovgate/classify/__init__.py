"""sovgate.classify"""

"""sovgate.route"""

"""Accounts: users with roles and units, Argon2 passwords, sessions, API tokens, CSRF, rate limits.

Tài khoản, vai trò, đơn vị; đăng nhập, phiên, mã API, chống CSRF và giới hạn tần suất.
"""

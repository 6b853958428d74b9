from dqlint.cli import main

main()

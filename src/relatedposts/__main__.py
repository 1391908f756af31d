from relatedposts.cli import main

main()
